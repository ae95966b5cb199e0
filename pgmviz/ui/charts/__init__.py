"""Plotly figure builders of the lessons: pure functions from data to a go.Figure, one module per lesson."""
