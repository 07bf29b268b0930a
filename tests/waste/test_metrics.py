"""Recycling rate (2011/753/EU, method 4) and the collection cost model, by hand."""

import pytest

from smartcity.waste.metrics import CostModel, recycling_rate


def test_recycling_rate_is_separately_collected_weight_over_all_collected():
    # 600 kg general, 250 recycling, 100 organic, 50 glass: (250 + 100 + 50) / 1000
    assert recycling_rate({"general": 600, "recycling": 250, "organic": 100, "glass": 50}) \
        == pytest.approx(0.4)


def test_rejects_at_the_sorting_plant_are_not_recycled():
    rate = recycling_rate({"general": 600, "recycling": 250, "organic": 100, "glass": 50},
                          {"recycling": 50})
    assert rate == pytest.approx(0.35)  # generated stays 1000 kg


def test_no_collection_has_no_rate():
    assert recycling_rate({}) is None
    assert recycling_rate({"general": 0}) is None
    assert recycling_rate({"general": 10}) == 0.0


def test_cost_by_part_and_per_tonne():
    model = CostModel(fuel_l_per_km=0.5, fuel_price_per_l=1.6, crew_size=2,
                      crew_rate_per_h=30, tipping_fee_per_t=90)
    cost = model.cost(km=40, hours=3, tonnes=4)
    # fuel 40 * 0.5 * 1.6 = 32; crew 3 * 2 * 30 = 180; tipping 4 * 90 = 360
    assert cost == {"fuel": 32.0, "crew": 180.0, "tipping": 360.0, "total": 572.0,
                    "per_tonne": 143.0}
    assert model.cost(0, 0, 0)["per_tonne"] is None


def test_cost_model_from_settings_ignores_unknown_names():
    model = CostModel.from_config({"tipping_fee_per_t": 120, "colour": "green"})
    assert model.tipping_fee_per_t == 120 and model.crew_size == 2
