"""Extension singletons, bound to an app in create_app()."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from marketplace.db import Base, loads_json
from marketplace.openapi import MarketplaceApi

db = SQLAlchemy(model_class=Base, engine_options={"json_deserializer": loads_json})
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
api = MarketplaceApi()
