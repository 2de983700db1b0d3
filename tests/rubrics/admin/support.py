"""What the posting and rubric admin tests share."""


def criteria_state(rubric) -> list[tuple]:
    return list(
        rubric.criteria.order_by("order", "id").values_list(
            "title", "weight", "knockout_level", "keywords", "anchors"
        )
    )
