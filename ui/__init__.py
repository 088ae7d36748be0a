"""User interfaces: the Streamlit chat app (and later the website widget)."""
