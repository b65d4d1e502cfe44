"""The supervisor's map: planned routes, actual check-ins, due-but-not-visited, territories, basemap."""
