"""One router per feature; each only translates HTTP to a service call and back."""
