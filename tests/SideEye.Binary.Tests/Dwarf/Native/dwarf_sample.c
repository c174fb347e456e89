/* A small C program compiled by gcc with -gdwarf-4 and -gdwarf-5: gcc uses DWARF forms and
 * encodings that Go's linker does not (line_strp, implicit_const, offset_pair range lists,
 * location lists with views), so it widens what the Dwarf tests exercise. */
#include <stdio.h>
#include <stdlib.h>

struct point { int x, y; double weight; };

static inline int square(int v) { return v * v; }

static int distance2(const struct point *a, const struct point *b)
{
    return square(a->x - b->x) + square(a->y - b->y);
}

__attribute__((noinline)) static double total(struct point *pts, int n)
{
    double sum = 0;
    for (int i = 0; i + 1 < n; i++) {
        int d = distance2(&pts[i], &pts[i + 1]);
        if (d > 10)
            sum += pts[i].weight * d;
        else
            sum -= d;
    }
    return sum;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 8;
    struct point *pts = calloc((size_t)n, sizeof *pts);
    for (int i = 0; i < n; i++) {
        pts[i].x = i * 3;
        pts[i].y = square(i);
        pts[i].weight = i / 2.0;
    }
    printf("%f\n", total(pts, n));
    free(pts);
    return 0;
}
