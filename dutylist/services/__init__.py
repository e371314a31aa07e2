"""Domain services: plain Python over the models, no request objects."""
