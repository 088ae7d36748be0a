"""Fachkräfte-Assistent Hessen: cited German answers from the official documents."""
