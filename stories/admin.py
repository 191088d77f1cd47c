from django.contrib import admin

from stories.caching import story_changed
from stories.models import CoAuthor, Comment, Reaction, Story, StoryEvent, Tag


class CoAuthorInline(admin.TabularInline):
    model = CoAuthor
    fk_name = "story"
    extra = 0
    autocomplete_fields = ["member", "invited_by"]
    readonly_fields = ["invited_at", "responded_at"]


class StoryEventInline(admin.TabularInline):
    model = StoryEvent
    extra = 0
    can_delete = False
    readonly_fields = ["actor", "action", "note", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    """Admins read and correct stories here; lifecycle changes belong on the story pages,
    where the services check who may make them."""

    list_display = [
        "title",
        "author",
        "community",
        "status",
        "moderation_status",
        "is_featured",
        "inspired_count",
        "published_at",
    ]
    list_filter = ["status", "moderation_status", "is_featured", "language", "community", "tags"]
    search_fields = ["title", "summary", "body", "author__email", "author__display_name"]
    list_select_related = ["author", "community"]
    autocomplete_fields = ["author", "reviewed_by", "featured_by"]
    raw_id_fields = ["community"]
    filter_horizontal = ["tags"]
    readonly_fields = [
        "inspired_count",
        "created_at",
        "updated_at",
        "submitted_at",
        "published_at",
        "reviewed_at",
        "featured_at",
        "moderated_at",
    ]
    inlines = [CoAuthorInline, StoryEventInline]
    date_hierarchy = "created_at"

    def save_model(self, request, obj, form, change) -> None:
        # The pages it was on and the pages it is on now (kernel.caching).
        before = Story.objects.filter(pk=obj.pk).first() if obj.pk else None
        super().save_model(request, obj, form, change)
        if before is not None:
            story_changed(before)
        story_changed(obj)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        story_changed(form.instance)  # co-authors (names on the story) may have changed


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "story", "author", "moderation_status", "created_at", "edited_at"]
    list_filter = ["moderation_status", "story__community"]
    search_fields = ["body", "author__email", "author__display_name", "story__title"]
    list_select_related = ["story", "author"]
    autocomplete_fields = ["story", "author", "parent"]
    readonly_fields = ["created_at", "edited_at", "moderated_at"]


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ["story", "member", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["story__title", "member__email"]
    list_select_related = ["story", "member"]
    autocomplete_fields = ["story", "member"]


@admin.register(CoAuthor)
class CoAuthorAdmin(admin.ModelAdmin):
    list_display = ["story", "member", "status", "invited_at", "responded_at"]
    list_filter = ["status"]
    search_fields = ["story__title", "member__email", "member__display_name"]
    list_select_related = ["story", "member"]
    autocomplete_fields = ["story", "member", "invited_by"]
