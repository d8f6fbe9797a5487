"""The gateway: REST and WebSocket API, live fan-out, and the web client."""
