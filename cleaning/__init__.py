"""Data cleaning: rules (data), the scan, duplicate matching, the queue and its actions.

Never imports Streamlit, ``pages`` or ``dashboard``; never reads the seed's benchmark labels (tested).
"""
