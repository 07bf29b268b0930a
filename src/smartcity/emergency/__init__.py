"""Emergency response: incidents, units and dispatch by ETA on the shared road network, NFPA 1710
response-time statistics, coverage and CAP 1.2 public alerts."""
