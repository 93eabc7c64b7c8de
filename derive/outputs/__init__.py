"""What a person reads: the gradients command's text and JSON, and the reports (one document model, one renderer
per format, Moodle banks)."""
