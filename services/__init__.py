"""Screen-shaped data for the pages: call data_access, return small frames. No Streamlit here."""
