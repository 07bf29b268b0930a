"""Traffic: flows and congestion per segment, incidents, Webster signal timing and routing on the
shared road network (smartcity.roads)."""
