from predictly.api.routers import admin, billing, datasets, models, predictions, training, users

ALL_ROUTERS = [
    users.router,
    datasets.router,
    training.router,
    models.router,
    predictions.router,
    billing.router,
    admin.router,
]
