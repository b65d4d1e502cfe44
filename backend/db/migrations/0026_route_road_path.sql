-- The road line of a route version (the way along the streets from where the route starts, through
-- its stops, to home), when a road engine (Valhalla, OSRM) planned it. Null under haversine, when the
-- engine could not draw it, and on a version made by taking a stop off: the map then draws straight
-- legs between the stops.
alter table routes add column road_path geometry(LineString, 4326);
