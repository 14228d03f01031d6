"""Read models: what the workspace, the monitor and the reports show, above the flows."""
