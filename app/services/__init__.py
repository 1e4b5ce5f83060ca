"""Services between the parsing core, the store and the web/CLI layers."""
