"""Django's collectstatic straight to S3 with django-storages' S3ManifestStaticStorage, for the publish benchmark:

    python3 django-s3-collectstatic.py SOURCE ENDPOINT BUCKET LOCATION

The S3-compatible server at ENDPOINT is addressed path-style with s3rver's credentials.
"""
import sys

import django
from django.conf import settings
from django.core.management import call_command

source, endpoint, bucket, location = sys.argv[1:5]
settings.configure(
    DEBUG=False,
    INSTALLED_APPS=["django.contrib.staticfiles"],
    STATIC_URL="/static/",
    STATICFILES_DIRS=[source],
    STATICFILES_STORAGE="storages.backends.s3boto3.S3ManifestStaticStorage",
    AWS_ACCESS_KEY_ID="S3RVER",
    AWS_SECRET_ACCESS_KEY="S3RVER",
    AWS_STORAGE_BUCKET_NAME=bucket,
    AWS_S3_ENDPOINT_URL=endpoint,
    AWS_S3_REGION_NAME="us-east-1",
    AWS_S3_ADDRESSING_STYLE="path",
    AWS_LOCATION=location,
    AWS_DEFAULT_ACL=None,
)
django.setup()
call_command("collectstatic", interactive=False, verbosity=0)
