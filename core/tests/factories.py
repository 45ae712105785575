import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

PASSWORD = "a-test-password-1"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(user, create: bool, extracted: str | None, **kwargs: object) -> None:
        if extracted:
            user.groups.add(Group.objects.get_or_create(name=extracted)[0])
            if extracted == "Admin":
                user.is_staff = True
        if create:
            user.save()
