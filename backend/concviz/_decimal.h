/* Decimal digits two at a time, shared by _record (the writer) and
 * _translate (the parent's lines): both write millions of numbers a second. */
#ifndef CONCVIZ_DECIMAL_H
#define CONCVIZ_DECIMAL_H

static const char DIGITS2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* u in decimal, written so that it ends just before end; returns where it begins. */
static inline char *
decimal_before(char *end, unsigned long long u)
{
    while (u >= 100) {
        unsigned d = (unsigned)(u % 100) * 2;
        u /= 100;
        *--end = DIGITS2[d + 1];
        *--end = DIGITS2[d];
    }
    if (u >= 10) {
        *--end = DIGITS2[u * 2 + 1];
        *--end = DIGITS2[u * 2];
    } else {
        *--end = (char)('0' + u);
    }
    return end;
}

#endif
