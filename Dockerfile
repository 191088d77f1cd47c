# Production image: gunicorn serves the web app; the same image runs the Celery worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_DEBUG=false
WORKDIR /app
RUN useradd --create-home --uid 1000 radicals
COPY pyproject.toml README.md ./
COPY radicals ./radicals
COPY members ./members
COPY notifications ./notifications
COPY communities ./communities
COPY pledges ./pledges
COPY stories ./stories
COPY learning ./learning
COPY reports ./reports
COPY kernel ./kernel
RUN pip install --no-cache-dir .
COPY . .
COPY --from=assets /app/node_modules ./node_modules
RUN python -m radicals.i18n compile \
    && DJANGO_SECRET_KEY=collectstatic-only DATABASE_URL=postgres://unused/unused \
    REDIS_URL=redis://unused:6379/0 python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R radicals /app/var
USER radicals
EXPOSE 8000
CMD ["gunicorn", "radicals.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
