"""Realtime delivery: socket.io, plain websockets and the gateway that feeds them."""
