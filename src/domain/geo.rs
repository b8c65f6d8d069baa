//! Distances between stores on the map.

/// The Earth's mean radius in metres (IUGG), the sphere distances are on.
pub const EARTH_RADIUS_M: f64 = 6_371_000.0;

/// A place on the map, in decimal degrees (WGS 84).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

/// The great-circle distance between `a` and `b` in whole metres, rounded to
/// the nearest metre (haversine on a sphere of [`EARTH_RADIUS_M`]).
///
/// A sphere is off from the real Earth by up to about 0.5 %, which is fine
/// to tell a shopper which store is nearer; it is not money.
pub fn distance_m(a: LatLon, b: LatLon) -> u64 {
    let (phi1, phi2) = (a.lat.to_radians(), b.lat.to_radians());
    let dphi = phi2 - phi1;
    let dlambda = (b.lon - a.lon).to_radians();
    let h = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    let central_angle = 2.0 * h.sqrt().min(1.0).asin();
    (EARTH_RADIUS_M * central_angle).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lon: f64) -> LatLon {
        LatLon { lat, lon }
    }

    #[test]
    fn along_a_meridian_the_distance_is_the_radius_times_the_angle() {
        // 0.01 degree of latitude: 6 371 000 x 0.01 x pi / 180 = 1 111.95 m.
        assert_eq!(distance_m(at(-6.20, 106.80), at(-6.21, 106.80)), 1_112);
        // 0.1 degree: 11 119.49 m.
        assert_eq!(distance_m(at(-6.20, 106.80), at(-6.30, 106.80)), 11_119);
    }

    #[test]
    fn along_the_equator_a_degree_of_longitude_is_a_degree_of_arc() {
        // 1 degree: 6 371 000 x pi / 180 = 111 194.93 m.
        assert_eq!(distance_m(at(0.0, 106.0), at(0.0, 107.0)), 111_195);
    }

    #[test]
    fn the_same_place_is_zero_and_the_distance_is_symmetric() {
        let (a, b) = (at(-6.2607, 106.8137), at(-6.1588, 106.9055));
        assert_eq!(distance_m(a, a), 0);
        assert_eq!(distance_m(a, b), distance_m(b, a));
    }

    #[test]
    fn antipodes_are_half_the_circumference() {
        // pi x 6 371 000 = 20 015 086.8 m.
        assert_eq!(distance_m(at(0.0, 0.0), at(0.0, 180.0)), 20_015_087);
    }
}
