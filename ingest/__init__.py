"""Ingest: load the official documents, clean them, chunk them and index them into the store."""
