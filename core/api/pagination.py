from rest_framework.pagination import PageNumberPagination


class StewardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def page_response(view, queryset, serializer_class):
    """The page of `queryset` the view's request asks for, serialized, with the pager links."""
    paginator = StewardPagination()
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
