"""Runs Django's own collectstatic (ManifestStaticFilesStorage) for the interop tests.

    python3 django-collectstatic.py '{"root": ..., "staticRoot": ..., "ourOut": ..., "names": [...]}'

Collects `root` into `staticRoot` with Django, then asks Django's storage for the URL of each name,
once from Django's own manifest and once from the manifest static-hash wrote into `ourOut`.
Prints one JSON object: {"ok", "error", "urlsFromDjango", "urlsFromOurs"}.
"""
import json
import sys

import django
from django.conf import settings

request = json.loads(sys.argv[1])
settings.configure(
    DEBUG=False,
    STATIC_ROOT=request["staticRoot"],
    STATIC_URL="/static/",
    STATICFILES_DIRS=[request["root"]],
    STATICFILES_STORAGE="django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
    INSTALLED_APPS=["django.contrib.staticfiles"],
)
django.setup()

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage  # noqa: E402
from django.core.management import call_command  # noqa: E402

result = {"ok": True, "error": None, "urlsFromDjango": {}, "urlsFromOurs": {}}
try:
    call_command("collectstatic", interactive=False, verbosity=0)
except Exception as error:  # what a Django user sees: the first error, and nothing collected after it
    result["ok"] = False
    result["error"] = "%s: %s" % (type(error).__name__, error)

if result["ok"]:
    theirs = ManifestStaticFilesStorage()
    result["urlsFromDjango"] = {name: theirs.url(name) for name in request["names"]}
if request.get("ourOut"):
    ours = ManifestStaticFilesStorage(location=request["ourOut"])
    result["urlsFromOurs"] = {name: ours.url(name) for name in request["names"]}

print(json.dumps(result))
