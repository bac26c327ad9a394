"""v2.media_space.upload_image: multipart form field `image` (JPG, JPEG or PNG, <= 10 MB).

Uploaded bytes are kept and served back at /_sandbox/uploads/{image_id}. The exact shape of
image_url_list entries ({image_url_region, image_url}) is UNCONFIRMED.
"""

from __future__ import annotations

from lapak.sandboxes.kit.images import image_kind
from lapak.sandboxes.kit.wire import multipart_file
from lapak.sandboxes.shopee.context import Ctx, Route
from lapak.sandboxes.shopee.state import REGION
from lapak.sandboxes.shopee.wire import Reply, invalid, missing

MAX_IMAGE_BYTES = 10 * 1024 * 1024  # "Max 10.0 MB each"


def upload_image(ctx: Ctx) -> Reply:
    data = multipart_file(ctx.content_type, ctx.body or b"", "image")
    if data is None:
        raise missing("image", "error_param")
    if len(data) > MAX_IMAGE_BYTES:
        raise invalid("image should be no more than 10.0 MB")
    if image_kind(data) is None:
        raise invalid("image format should be JPG, JPEG or PNG")
    image_id = f"id-11134201-{ctx.sandbox.rng.getrandbits(96):024x}"
    ctx.sandbox.images[image_id] = data
    url = f"{ctx.base_url}/_sandbox/uploads/{image_id}"
    return Reply(
        {
            "image_info": {
                "image_id": image_id,
                "image_url_list": [{"image_url_region": REGION, "image_url": url}],
            }
        }
    )


ROUTES = {"/api/v2/media_space/upload_image": Route("POST", upload_image, raw_body=True)}
