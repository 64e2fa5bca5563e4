/* Tests of src/load (what the guest's minidc-load, the command line and
 * minidcd share): reading a PlanetLab trace and its errors at FILE:LINE, the
 * sample under way at a time, threads for a --cpu, and the duty cycle's
 * account, run on a simulated clock against a target utilisation. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "load/load.h"

static uint8_t samples[LOAD_TRACE_MAX];
static char err[LOAD_ERROR_MAX];

static long parse(const char *text)
{
    err[0] = '\0';
    return load_trace_parse("t.txt", text, strlen(text), samples, err, sizeof err);
}

static void test_trace(void **state)
{
    (void)state;
    assert_int_equal(parse("24\n34\n0\n100\n"), 4);
    assert_int_equal(samples[0], 24);
    assert_int_equal(samples[1], 34);
    assert_int_equal(samples[2], 0);
    assert_int_equal(samples[3], 100);
    /* No newline after the last line; CRLF; blanks around the number. */
    assert_int_equal(parse("7"), 1);
    assert_int_equal(samples[0], 7);
    assert_int_equal(parse("5\r\n 6 \n\t7\t\r\n"), 3);
    assert_int_equal(samples[2], 7);
    assert_int_equal(parse("007\n"), 1);
    assert_int_equal(samples[0], 7);
    /* As long as a trace may be. */
    static char text[LOAD_TRACE_MAX * 3 + 1];
    for (size_t i = 0; i < LOAD_TRACE_MAX; i++)
        memcpy(text + 3 * i, "99\n", 3);
    text[LOAD_TRACE_MAX * 3] = '\0';
    assert_int_equal(parse(text), LOAD_TRACE_MAX);
    assert_int_equal(samples[LOAD_TRACE_MAX - 1], 99);
}

static void test_trace_errors(void **state)
{
    (void)state;
    const char *want = "expected a whole number from 0 to 100 (the CPU utilisation in percent, "
                       "one a line)";
    char m[512];
    assert_int_equal(parse("10\n20\n101\n"), -1);
    snprintf(m, sizeof m, "t.txt:3: %s, not '101'", want);
    assert_string_equal(err, m);
    assert_int_equal(parse("10\n-1\n"), -1);
    snprintf(m, sizeof m, "t.txt:2: %s, not '-1'", want);
    assert_string_equal(err, m);
    assert_int_equal(parse("1.5\n"), -1);
    snprintf(m, sizeof m, "t.txt:1: %s, not '1.5'", want);
    assert_string_equal(err, m);
    assert_int_equal(parse("10 20\n"), -1);
    snprintf(m, sizeof m, "t.txt:1: %s, not '10 20'", want);
    assert_string_equal(err, m);
    assert_int_equal(parse("1000000000000000000000\n"), -1);
    snprintf(m, sizeof m, "t.txt:1: %s, not '1000000000000000000000'", want);
    assert_string_equal(err, m);
    /* Empty lines, in the middle or at the end (CloudSim refuses them too). */
    assert_int_equal(parse("10\n\n20\n"), -1);
    snprintf(m, sizeof m, "t.txt:2: %s, found an empty line", want);
    assert_string_equal(err, m);
    assert_int_equal(parse("10\n20\n \n"), -1);
    snprintf(m, sizeof m, "t.txt:3: %s, found an empty line", want);
    assert_string_equal(err, m);
    /* A long or binary line is shown cut, its bytes printable. */
    assert_int_equal(parse("5\nabc\001defghijklmnopqrstuvwxyz\n"), -1);
    snprintf(m, sizeof m, "t.txt:2: %s, not 'abc?defghijklmnopqrstuvw...'", want);
    assert_string_equal(err, m);
    assert_int_equal(load_trace_parse("t.txt", "5\n\0\n", 4, samples, err, sizeof err), -1);
    snprintf(m, sizeof m, "t.txt:2: %s, not '?'", want);
    assert_string_equal(err, m);
    assert_int_equal(parse(""), -1);
    assert_string_equal(
        err, "t.txt: empty: a trace has one sample a line, a whole number from 0 to 100");
    static char text[(LOAD_TRACE_MAX + 1) * 2 + 1];
    for (size_t i = 0; i <= LOAD_TRACE_MAX; i++)
        memcpy(text + 2 * i, "1\n", 2);
    text[(LOAD_TRACE_MAX + 1) * 2] = '\0';
    assert_int_equal(parse(text), -1);
    assert_string_equal(err, "t.txt:8641: more than 8640 samples (30 days of 5-minute samples)");
    /* A message never overruns its buffer. */
    char small[16];
    assert_int_equal(load_trace_parse("t.txt", "x", 1, samples, small, sizeof small), -1);
    assert_string_equal(small, "t.txt:1: expect");
}

static void test_trace_index(void **state)
{
    (void)state;
    assert_int_equal(load_trace_index(0, 5, 12), 0);
    assert_int_equal(load_trace_index(4.999, 5, 12), 0);
    assert_int_equal(load_trace_index(5, 5, 12), 1);
    assert_int_equal(load_trace_index(59.9, 5, 12), 11);
    /* From the first again after the last. */
    assert_int_equal(load_trace_index(60, 5, 12), 0);
    assert_int_equal(load_trace_index(65.5, 5, 12), 1);
    assert_int_equal(load_trace_index(86400.0 * 300, 300, 288), 0);
    assert_int_equal(load_trace_index(0.35, 0.1, 3), 0);
    /* A clock before the start, or nonsense. */
    assert_int_equal(load_trace_index(-3, 5, 12), 0);
    assert_int_equal(load_trace_index(NAN, 5, 12), 0);
    assert_int_equal(load_trace_index(10, 0, 12), 0);
    assert_int_equal(load_trace_index(10, 5, 0), 0);
}

static void test_threads(void **state)
{
    (void)state;
    double f;
    assert_int_equal(load_threads(0, &f), 0);
    assert_true(f == 0);
    assert_int_equal(load_threads(50, &f), 1);
    assert_true(fabs(f - 0.5) < 1e-12);
    assert_int_equal(load_threads(100, &f), 1);
    assert_true(fabs(f - 1) < 1e-12);
    assert_int_equal(load_threads(150, &f), 2);
    assert_true(fabs(f - 0.75) < 1e-12);
    assert_int_equal(load_threads(201, &f), 3);
    assert_true(fabs(f - 0.67) < 1e-12);
    assert_int_equal(load_threads(LOAD_CPU_MAX, &f), 64);
    assert_true(fabs(f - 1) < 1e-12);
}

/* Runs a worker's loop on a simulated clock for 'periods' periods at
 * 'fraction': each wake-up comes 'late' seconds after its period began, and
 * each spin overruns by 'over' (the last clock check).  Returns the busy
 * fraction of the whole time. */
static double simulate(double fraction, int periods, double late, double over)
{
    struct load_duty d;
    load_duty_init(&d, LOAD_PERIOD);
    double busy = 0;
    for (int k = 0; k < periods; k++) {
        double spin = load_duty_spin(&d, fraction, late), spun = spin > 0 ? spin + over : 0;
        if (late + spun > LOAD_PERIOD)
            spun = LOAD_PERIOD - late; /* the next period begins */
        busy += spun;
        load_duty_done(&d, fraction, spun);
    }
    return busy / (periods * LOAD_PERIOD);
}

static void test_duty(void **state)
{
    (void)state;
    struct load_duty d;
    load_duty_init(&d, 0.1);
    /* On time: the period's share; woken late: still its share, while it fits. */
    assert_true(fabs(load_duty_spin(&d, 0.5, 0) - 0.05) < 1e-12);
    assert_true(fabs(load_duty_spin(&d, 0.5, 0.02) - 0.05) < 1e-12);
    assert_true(fabs(load_duty_spin(&d, 0.5, 0.07) - 0.03) < 1e-12);
    assert_true(load_duty_spin(&d, 0.5, 0.2) == 0);
    assert_true(load_duty_spin(&d, 0, 0) == 0);
    /* What a period could not spend is owed to the next... */
    load_duty_done(&d, 0.5, 0.03);
    assert_true(fabs(load_duty_spin(&d, 0.5, 0) - 0.07) < 1e-12);
    /* ...and what it overspent is taken off. */
    load_duty_done(&d, 0.5, 0.09);
    assert_true(fabs(load_duty_spin(&d, 0.5, 0) - 0.03) < 1e-12);
    /* At most one period's worth either way. */
    load_duty_init(&d, 0.1);
    for (int i = 0; i < 10; i++)
        load_duty_done(&d, 1, 0);
    assert_true(fabs(d.debt - 0.1) < 1e-12);
    for (int i = 0; i < 10; i++)
        load_duty_done(&d, 0, 0.1);
    assert_true(fabs(d.debt + 0.1) < 1e-12);

    /* The average holds when every wake-up is late (2 ms) and every spin
     * overruns (0.5 ms); the whole period when it cannot. */
    for (double f = 0; f <= 1.0001; f += 0.1) {
        double got = simulate(f, 1000, 0.002, 0.0005);
        double want = f < 0.98 ? f : 1 - 0.002 / LOAD_PERIOD;
        if (fabs(got - want) > 0.005)
            fail_msg("fraction %.2f: busy %.4f of the time, wanted %.4f", f, got, want);
    }
    /* Without the account the overrun would add up: 5% more at 50%. */
    assert_true(fabs(simulate(0.5, 1000, 0, 0.005) - 0.5) < 0.001);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace),       cmocka_unit_test(test_trace_errors),
        cmocka_unit_test(test_trace_index), cmocka_unit_test(test_threads),
        cmocka_unit_test(test_duty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
