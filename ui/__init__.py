"""Streamlit glue shared by the pages: cached resources, language, shared widgets."""
