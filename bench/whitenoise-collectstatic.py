"""WhiteNoise's collectstatic (CompressedManifestStaticFilesStorage: Django's hashed copies, then .br and .gz
of every file), for the compression benchmark: python3 whitenoise-collectstatic.py SOURCE OUT"""
import sys

import django
from django.conf import settings
from django.core.management import call_command

source, out = sys.argv[1], sys.argv[2]
settings.configure(
    DEBUG=False,
    INSTALLED_APPS=["django.contrib.staticfiles"],
    STATIC_URL="/static/",
    STATIC_ROOT=out,
    STATICFILES_DIRS=[source],
    STATICFILES_STORAGE="whitenoise.storage.CompressedManifestStaticFilesStorage",
)
django.setup()
call_command("collectstatic", interactive=False, verbosity=0)
