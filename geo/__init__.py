"""Geography of the Antwerp solidarity map: boundaries, geocoding, distances (no Streamlit)."""
