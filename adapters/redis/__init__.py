"""Redis: token buckets shared by every replica (`RedisTokenBuckets`)."""

from adapters.redis.buckets import RedisTokenBuckets

__all__ = ["RedisTokenBuckets"]
