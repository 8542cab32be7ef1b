"""The JSON API under /api/v1 (docs/api.md): personal access tokens, the endpoints, the OpenAPI
document and the SDMX-CSV export. The top floor: it reads every feature and no feature reads it."""
