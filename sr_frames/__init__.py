"""sr_frames: the Sales.Rocks API behind a pandas accessor."""
