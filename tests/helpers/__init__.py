"""Helpers shared by the book-level tests (chapters, builds, downloads)."""
