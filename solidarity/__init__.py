"""Core of the Antwerp solidarity map: data model, store, filters, map builder, translations.

Nothing in this package imports Streamlit; pages wire widgets to these functions.
"""
