//! What a path that no route answers gets: 405 with `Allow` when the path exists under
//! other methods, else 404. The paths come from the OpenAPI document, which the route
//! registrations themselves produce.

use actix_web::{HttpRequest, web};
use utoipa::openapi::OpenApi;

use crate::error::Error;

/// Every documented path, as segments, with the methods it answers.
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, String)>,
}

enum Segment {
    Literal(String),
    Placeholder,
}

impl RouteTable {
    pub fn of(api: &OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            Segment::Placeholder
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("HEAD", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .iter()
                .filter(|(_, answered)| *answered)
                .map(|(m, _)| *m)
                .collect::<Vec<_>>()
                .join(", ");
                (segments, methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods `path` answers, if any route has its shape.
    pub fn allowed(&self, path: &str) -> Option<&str> {
        let given: Vec<&str> = path.split('/').collect();
        self.routes.iter().find_map(|(segments, methods)| {
            let fits = segments.len() == given.len()
                && segments.iter().zip(&given).all(|(s, g)| match s {
                    Segment::Literal(l) => l == g,
                    Segment::Placeholder => !g.is_empty(),
                });
            fits.then_some(methods.as_str())
        })
    }
}

/// The app's default service.
pub async fn unanswered(
    req: HttpRequest,
    table: Option<web::Data<RouteTable>>,
) -> Result<actix_web::HttpResponse, Error> {
    match table.as_deref().and_then(|t| t.allowed(req.path())) {
        Some(allow) if !allow.is_empty() => Err(Error::MethodNotAllowed {
            allow: allow.to_owned(),
        }),
        _ => Err(Error::NotFound("route")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_path_names_its_methods() {
        let (_, api) = crate::http::routes(actix_web::App::new());
        let table = RouteTable::of(&api);
        let allow = table.allowed("/api/v1/organisations/abc/members/def");
        assert_eq!(allow, Some("GET, HEAD, PATCH"));
        assert_eq!(table.allowed("/api/v1/organisations/abc/nothing"), None);
        assert_eq!(table.allowed("/api/v1/organisations//members"), None);
    }
}
