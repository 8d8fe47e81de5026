"""The API's routes, a router per resource: recommendations, batches, operations."""
