//! Server-rendered SVG line charts (no chart library, no script): axes, gridlines, one or two series.
//! Colours come from CSS classes so both themes stay legible.

use maud::{Markup, PreEscaped, html};

use crate::clock::rfc3339;

const WIDTH: f64 = 400.0;
const HEIGHT: f64 = 170.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 24.0;

/// One line: a CSS class (`series-a`, `series-b`) and its points `(epoch, value)`.
pub struct Series<'a> {
    pub label: &'a str,
    pub class: &'a str,
    pub points: Vec<(f64, f64)>,
}

/// A chart over `[start, end]`. `y_max` fixes the scale (100 for percentages), else it fits the data.
pub(crate) fn line_chart(
    title: &str,
    series: &[Series],
    start: f64,
    end: f64,
    y_max: Option<f64>,
    format_y: fn(f64) -> String,
) -> Markup {
    let has_data = series.iter().any(|s| !s.points.is_empty());
    let data_max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|(_, v)| *v))
        .fold(0.0_f64, f64::max);
    let top = y_max.unwrap_or_else(|| nice_ceiling(data_max));
    let span = (end - start).max(1.0);
    let x = |t: f64| LEFT + (t - start) / span * (WIDTH - LEFT - RIGHT);
    let y = |v: f64| TOP + (1.0 - (v / top).clamp(0.0, 1.0)) * (HEIGHT - TOP - BOTTOM);
    let description = summary(title, series, format_y);
    html! {
        figure.chart {
            figcaption {
                (title)
                @for s in series { span class=(format!("legend {}", s.class)) { (s.label) } }
            }
            svg viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-label=(description) class="chart-svg" {
                @for i in 0..=4 {
                    @let v = top * f64::from(i) / 4.0;
                    line.grid x1=(LEFT) x2=(WIDTH - RIGHT) y1=(y(v)) y2=(y(v)) {}
                    text.axis x=(LEFT - 4.0) y=(y(v) + 4.0) text-anchor="end" { (format_y(v)) }
                }
                @for i in 0..=3 {
                    @let t = start + span * f64::from(i) / 3.0;
                    @let anchor = match i { 0 => "start", 3 => "end", _ => "middle" };
                    text.axis x=(x(t)) y=(HEIGHT - 6.0) text-anchor=(anchor) { (short_time(t, span)) }
                }
                @if has_data {
                    @for s in series {
                        @if !s.points.is_empty() {
                            polyline class=(format!("line {}", s.class)) points=(PreEscaped(points(&s.points, x, y))) {}
                        }
                    }
                } @else {
                    text.axis x=(WIDTH / 2.0) y=(HEIGHT / 2.0) text-anchor="middle" { "no samples in this range" }
                }
            }
        }
    }
}

/// `x,y x,y …` with one decimal; numbers only, so safe to emit unescaped.
fn points(data: &[(f64, f64)], x: impl Fn(f64) -> f64, y: impl Fn(f64) -> f64) -> String {
    let mut out = String::with_capacity(data.len() * 14);
    for (t, v) in data {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!("{:.1},{:.1}", x(*t), y(*v)));
    }
    out
}

/// A round number at or above `v` (1, 2, 5 × 10^n) so axis labels read well.
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * magnitude)
}

/// "HH:MM" for short ranges, "MM-DD HH:MM" from a day on.
fn short_time(epoch: f64, span: f64) -> String {
    let full = rfc3339(epoch);
    if span >= 86_400.0 {
        format!("{} {}", &full[5..10], &full[11..16])
    } else {
        full[11..16].to_owned()
    }
}

/// A sentence for screen readers: the latest and the highest value of each series.
fn summary(title: &str, series: &[Series], format_y: fn(f64) -> String) -> String {
    let parts: Vec<String> = series
        .iter()
        .filter_map(|s| {
            let last = s.points.last()?.1;
            let max = s.points.iter().map(|(_, v)| *v).fold(f64::MIN, f64::max);
            Some(format!(
                "{} now {}, peak {}",
                s.label,
                format_y(last),
                format_y(max)
            ))
        })
        .collect();
    if parts.is_empty() {
        format!("{title}: no samples")
    } else {
        format!("{title}: {}", parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_ceilings_are_round() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(3.2), 5.0);
        assert_eq!(nice_ceiling(17.0), 20.0);
        assert_eq!(nice_ceiling(1000.0), 1000.0);
    }

    #[test]
    fn a_chart_draws_a_line_per_series_and_says_what_it_shows() {
        let chart = line_chart(
            "CPU",
            &[Series {
                label: "cpu",
                class: "series-a",
                points: vec![(0.0, 10.0), (60.0, 50.0)],
            }],
            0.0,
            60.0,
            Some(100.0),
            |v| format!("{v:.0}%"),
        )
        .into_string();
        assert!(
            chart.contains("<polyline class=\"line series-a\" points=\"44.0,"),
            "{chart}"
        );
        assert!(chart.contains("cpu now 50%, peak 50%"));
    }

    #[test]
    fn an_empty_range_says_so() {
        let chart = line_chart("Load", &[], 0.0, 60.0, None, |v| format!("{v}")).into_string();
        assert!(chart.contains("no samples in this range"));
    }
}
