"""POST /api/images/proxy (spec §9.2): an image by https URL (through the hardened fetcher) or data URI,
re-encoded as the caller asked and returned as a data URI.

Errors are the fetcher's and the normaliser's own: 400 scheme/host/type, 403 blocked address, 413 too
large (also when even the lowest quality stays above 4 MB), 415 not an image, 502 upstream status, 504
timeout. Nothing is stored: a pure transformation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from describe_it.images.models import ProxyRequest, ProxyResult

if TYPE_CHECKING:
    from describe_it.images.fetcher import ImageFetcher
    from describe_it.images.normalize import SourceImage


class ImageProxyService:
    def __init__(self, fetcher: Callable[[], ImageFetcher]) -> None:
        self._fetcher = fetcher

    def proxy(self, request: ProxyRequest) -> ProxyResult:
        from describe_it.images.normalize import SourceImage, is_data_uri, normalize_for_proxy, parse_data_uri

        source: SourceImage
        if is_data_uri(request.image_url):
            source = parse_data_uri(request.image_url)
        else:
            fetched = self._fetcher().fetch(request.image_url)
            source = SourceImage(fetched.data, fetched.content_type)
        out = normalize_for_proxy(
            source,
            max_width=request.max_width,
            max_height=request.max_height,
            quality=request.quality,
            output_format=request.format,
        )
        return ProxyResult(
            data_uri=out.data_uri(),
            content_type=out.content_type,
            size=out.size,
            size_formatted=format_size(out.size),
            width=out.width,
            height=out.height,
            original_size=out.original_size,
            original_width=out.original_width,
            original_height=out.original_height,
            resized=out.resized,
            quality=out.quality,
        )


def format_size(size: int) -> str:
    """``512 B``, ``12.3 KB``, ``1.50 MB`` (binary multiples, as the old frontend showed them)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.2f} MB"


def get_image_proxy_service() -> ImageProxyService:
    from describe_it.images.fetcher import fetcher_from_settings
    from describe_it.settings import get_settings

    settings = get_settings()
    return ImageProxyService(lambda: fetcher_from_settings(settings))
