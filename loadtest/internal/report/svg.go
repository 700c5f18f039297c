// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The wrenmq Authors

package report

import (
	"fmt"
	"html"
	"strings"
)

// palette colours the brokers' bars in order.
var palette = []string{"#2166ac", "#b2182b", "#4d9221", "#762a83", "#e08214"}

// BarChart renders a horizontal grouped bar chart as a standalone SVG: one
// group per label, one bar per series, each bar labelled with its value.
// values[g][s] is the value of series s in group g; a value of 0 is drawn
// as "n/a".
func BarChart(title string, groups, series []string, values [][]float64, format func(float64) string) string {
	const (
		width  = 860
		labelW = 260
		barH   = 16
		gap    = 10
		top    = 56
		valueW = 90
	)
	maxV := 0.0
	for _, g := range values {
		for _, v := range g {
			maxV = max(maxV, v)
		}
	}
	if maxV == 0 {
		maxV = 1
	}
	plotW := float64(width - labelW - valueW - 10)
	height := top + len(groups)*(len(series)*barH+gap) + 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="15" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))
	x := 10
	for i, s := range series {
		c := palette[i%len(palette)]
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", x, 30, c, x+16, 40, html.EscapeString(s))
		x += 30 + 8*len(s)
	}
	y := top
	for g, label := range groups {
		groupH := len(series) * barH
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelW-8, y+groupH/2+4, html.EscapeString(label))
		for s := range series {
			v := 0.0
			if g < len(values) && s < len(values[g]) {
				v = values[g][s]
			}
			w := v / maxV * plotW
			c := palette[s%len(palette)]
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`, labelW, y, w, barH-2, c)
			text := "n/a"
			if v > 0 {
				text = format(v)
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(labelW)+w+4, y+barH-5, html.EscapeString(text))
			y += barH
		}
		y += gap
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/>`+"\n", labelW, top-4, labelW, y-gap)
	b.WriteString("</svg>\n")
	return b.String()
}

// Chart is one SVG file of the report.
type Chart struct {
	File  string
	Title string
	SVG   string
}

// Charts draws the report's charts from the summaries: delivered messages
// per second, broker CPU per delivered message, broker peak RSS and idle
// memory per connection.
func Charts(rows []Row, brokers []string) []Chart {
	var msgGroups, allGroups []string
	var del, cpu, rss, idle [][]float64
	var idleGroups []string
	for _, row := range rows {
		name := row.Config.Name()
		get := func(f func(*Summary) float64) []float64 {
			vs := make([]float64, len(brokers))
			for i, br := range brokers {
				if s := row.Summaries[br]; s != nil {
					vs[i] = f(s)
				}
			}
			return vs
		}
		allGroups = append(allGroups, name)
		rss = append(rss, get(func(s *Summary) float64 { return s.PeakRSS.Median / (1 << 20) }))
		if row.Config.Kind == "idle" {
			idleGroups = append(idleGroups, name)
			idle = append(idle, get(func(s *Summary) float64 { return s.MemPerConn.Median / 1024 }))
			continue
		}
		msgGroups = append(msgGroups, name)
		del = append(del, get(func(s *Summary) float64 { return s.Deliver.Median }))
		cpu = append(cpu, get(func(s *Summary) float64 { return s.CPUPerMsg.Median }))
	}
	charts := []Chart{
		{File: "delivered.svg", Title: "Delivered messages per second (median; higher is better)", SVG: ""},
		{File: "cpu.svg", Title: "Broker CPU µs per delivered message (median; lower is better)"},
		{File: "rss.svg", Title: "Broker peak RSS, MiB (median; lower is better)"},
		{File: "idle.svg", Title: "Broker memory per idle connection, KiB (median; lower is better)"},
	}
	charts[0].SVG = BarChart(charts[0].Title, msgGroups, brokers, del, si)
	charts[1].SVG = BarChart(charts[1].Title, msgGroups, brokers, cpu, func(v float64) string { return fmt.Sprintf("%.2f", v) })
	charts[2].SVG = BarChart(charts[2].Title, allGroups, brokers, rss, func(v float64) string { return fmt.Sprintf("%.1f", v) })
	charts[3].SVG = BarChart(charts[3].Title, idleGroups, brokers, idle, func(v float64) string { return fmt.Sprintf("%.1f", v) })
	return charts
}
