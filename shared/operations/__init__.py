"""What operators see: backend health, readiness (queue, deadlines, keys) and the gauges."""
