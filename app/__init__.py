"""The Streamlit app's modules: data loading, filters, cells, figures, HTML and one module per tab (pages)."""
