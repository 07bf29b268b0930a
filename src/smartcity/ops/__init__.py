"""Operations plumbing: health, metrics, OpenAPI, security headers, logging."""
