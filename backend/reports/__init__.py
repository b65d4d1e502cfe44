"""Plan vs fact, the coverage funnel, sales completion and seasonality; CSV and XLSX export."""
