/* Tests for src/proxy/freq.h: events per second as HAProxy's freq_ctr
 * reads them (current count plus the previous second's, weighted by what
 * is left of it) and the highest count a second reached. */
#include "unit.h"
#include "proxy/freq.h"

static void test_rate_over_the_last_second(void)
{
	struct freq_ctr f = { 0 };
	_Atomic uint32_t max = 0;

	/* 10 events in second 100 */
	for (int i = 0; i < 10; i++)
		CHECK_INT(freq_ctr_hit(&f, &max, 100000 + (uint64_t)i * 10), i + 1);
	CHECK_INT(freq_ctr_read(&f, 100500), 10);
	CHECK_INT(max, 10);
	/* a quarter into second 101: 3/4 of the previous second still counts */
	CHECK_INT(freq_ctr_read(&f, 101250), 7);
	freq_ctr_hit(&f, &max, 101250);
	freq_ctr_hit(&f, &max, 101260);
	CHECK_INT(freq_ctr_read(&f, 101500), 2 + 5);
	CHECK_INT(max, 10);
	/* two seconds later nothing is left */
	CHECK_INT(freq_ctr_read(&f, 103000), 0);
	/* a skipped second does not carry into the next */
	freq_ctr_hit(&f, &max, 105000);
	CHECK_INT(freq_ctr_read(&f, 105000), 1);
}

static void test_max_is_the_busiest_second(void)
{
	struct freq_ctr f = { 0 };
	_Atomic uint32_t max = 0;

	for (int i = 0; i < 30; i++)
		freq_ctr_hit(&f, &max, 7000 + (uint64_t)i);
	for (int i = 0; i < 5; i++)
		freq_ctr_hit(&f, &max, 8000 + (uint64_t)i);
	CHECK_INT(max, 30);
	for (int i = 0; i < 40; i++)
		freq_ctr_hit(&f, &max, 9000 + (uint64_t)i);
	CHECK_INT(max, 40);
}

int main(void)
{
	RUN(test_rate_over_the_last_second);
	RUN(test_max_is_the_busiest_second);
	UNIT_DONE();
}
