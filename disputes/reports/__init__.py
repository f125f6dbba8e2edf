"""The cockpit (数字驾驶舱), its figures and the list exports (docs/features/cockpit.md).

- `scope`: who may see figures and over which regions; the filters a figure carries.
- `tallies`: reading the tallies the dispute table's triggers keep (migration 0010).
- `stats`: every figure in a constant number of queries; the JSON of GET /api/v1/stats/.
- `cockpit`: the page's form, filters and context; `views`: the page; `urls`: /cockpit/.
- `exports`: CSV and XLSX in bounded memory; `api`, `api_urls`: the stats and export endpoints.
"""
