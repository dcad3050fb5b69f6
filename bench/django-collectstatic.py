"""Django's collectstatic, for the collect and compression benchmarks:
    python3 django-collectstatic.py SOURCE OUT [STORAGE]
STORAGE is the dotted path of the storage class: Django's ManifestStaticFilesStorage by default, or
whitenoise.storage.CompressedManifestStaticFilesStorage (hashed copies, then .br and .gz of every file)."""
import sys

import django
from django.conf import settings
from django.core.management import call_command

source, out = sys.argv[1], sys.argv[2]
storage = sys.argv[3] if len(sys.argv) > 3 else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
settings.configure(
    DEBUG=False,
    INSTALLED_APPS=["django.contrib.staticfiles"],
    STATIC_URL="/static/",
    STATIC_ROOT=out,
    STATICFILES_DIRS=[source],
    STATICFILES_STORAGE=storage,
)
django.setup()
call_command("collectstatic", interactive=False, verbosity=0)
