"""HTTP layer: one router module per resource; it only moves data between HTTP and the store."""
