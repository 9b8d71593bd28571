"""Files residents upload: what they really are (``uploads``) and where they live (``storage``)."""
