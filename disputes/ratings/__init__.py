"""Satisfaction ratings and the supervisor's review of low ones (docs/features/ratings.md).

- `rules`: who may rate, who supervises, the reviews a supervisor reads (reads only).
- `services`: rating, answering a review, opening the follow-up dispute (writes).
- `serializers`, `api`, `api_urls`: over the API; `forms`, `views`, `urls`: on the pages.
"""
