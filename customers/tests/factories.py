import factory

from customers.models import Category, Customer, Store


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"S{n:02d}")
    name = factory.LazyAttribute(lambda store: f"Store {store.code}")
    region = "North"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"C{n}")
    name = factory.LazyAttribute(lambda category: f"Category {category.code}")
    margin_rate = "0.30"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ["external_id"]

    external_id = factory.Sequence(lambda n: f"X{n:05d}")
    name = factory.Faker("name")
    email = factory.LazyAttribute(lambda customer: f"{customer.external_id.lower()}@example.com")
    region = "North"
